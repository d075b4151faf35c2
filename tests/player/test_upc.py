import pytest

from player.upc import bars, modules
from scheduler.upc import check_digit


def test_a_known_upc_a_symbol():
    # 036000291452: the classic example; its modules as printed on the product.
    code = modules("036000291452")
    assert len(code) == 95
    assert code.startswith("101" + "0001101" + "0111101")  # guard, 0, 3 in L-code
    assert code[45:50] == "01010"
    assert code[50:57] == "1101100"  # 2 in R-code
    assert code.endswith("1101100" + "101")  # 2 in R-code, end guard
    assert check_digit("03600029145") == 2


def test_bars_cover_exactly_the_dark_modules():
    code = modules("123456789012")
    drawn = ["0"] * 95
    for start, width in bars("123456789012"):
        drawn[start:start + width] = ["1"] * width
    assert "".join(drawn) == code


@pytest.mark.parametrize("bad", ["12345", "abcdefghijkl", "1234567890123"])
def test_not_twelve_digits(bad):
    with pytest.raises(ValueError):
        modules(bad)
