"""What a `gstv sim` run measured, and how it is shown: the figures of its JSON object
(from the frames the rig saw, the sinks' recordings and what the run did to the site),
the live table and the summary. Apart from gstv_rigs.commands.sim_command, which
drives the site."""

from __future__ import annotations

from typing import Any

from gstv_rigs import sound_figures
from gstv_rigs.site import summary_of
from gstv_rigs.skew import all_in_step, back_in_step, coverage, out_of_step, percentile


class SimFigures:
    """The figures of a run, for the Simulation that drove it (a mixin: it reads what
    the run recorded there: `site`, `terminals`, `args`, `prompt_spans`, `prompt_ends`,
    `kills`, `restarts`, `splits`, `heal_times`, `leaders_seen`, `leader_back_ns`,
    `failover_s`, `killed`, `prompts`, `ended_ns`)."""

    def result(self, started_ns: int) -> dict[str, Any]:
        shown = self.site.shown()
        converged, skews = self.site.skew(shown)
        figures = self.honest_figures(shown, converged)
        figures.update(self.sound_figures(converged))
        resumes = []
        for terminal, ended in self.prompt_ends:
            back = back_in_step(shown, terminal, ended)
            resumes.append((back - ended) / 1e9 if back is not None else None)
        everyone = len(self.terminals)
        rejoins = []
        for terminal, restarted in self.restarts:
            back = all_in_step(shown, everyone, restarted)
            rejoins.append((back - restarted) / 1e9 if back is not None else None)
        heals = []
        for split in self.splits:
            if split["healed_ns"] is not None:
                back = all_in_step(shown, everyone, split["healed_ns"])
                heals.append((back - split["healed_ns"]) / 1e9 if back is not None else None)
        churn = {}
        if self.args.kill_leader:
            back = None if self.leader_back_ns is None else all_in_step(
                shown, everyone, self.leader_back_ns)
            churn["leader_rejoin_s"] = None if back is None else round(
                (back - self.leader_back_ns) / 1e9, 3)
        if self.args.restart_follower:
            churn.update({
                "follower_restarts": len(self.restarts),
                "follower_rejoin_s": _longest(rejoins),
                "leader_changes": max(0, len(self.leaders_seen) - 1)})
        if self.args.split:
            churn.update({
                "splits": len(self.splits),
                "split_led": bool(self.splits) and all(
                    len({side for side, _ in s["led"]}) == 2 and
                    len({name for _, name in s["led"]}) == 2 for s in self.splits),
                "heal_s": _longest(self.heal_times),
                "heal_in_step_s": _longest(heals)})
        return {
            "terminals": len(self.terminals),
            "skew_ms": summary_of(skews),
            "converge_s": None if converged is None else round((converged - started_ns) / 1e9, 2),
            "resume_s": None if not resumes or None in resumes else round(max(resumes), 3),
            "failover_s": self.failover_s,
            "frames_compared": len(skews),
            **figures,
            "prompts": self.prompts,
            "prompts_resumed": sum(r is not None for r in resumes),
            "killed": self.killed[0] if self.killed else None,
            "jitter_ms": self.args.jitter_ms,
            "faults": self.site.faults,
            "duration_s": self.args.duration,
            "clips": [p.name for p in self.args.clip_paths],
            **churn,
        }


    def excused_spans(self, shown=None) -> dict[str, list[tuple[int, int]]]:
        """Per screen, when it was not due to show or play anything: its prompts, and
        from a kill until it was back in step (to the end, when `shown` is not given)."""
        excused: dict[str, list[tuple[int, int]]] = {}
        for terminal, start, end in self.prompt_spans:
            excused.setdefault(terminal, []).append((start, end or self.ended_ns))
        for terminal, killed in self.kills:
            back = all_in_step(shown, len(self.terminals), killed) if shown else None
            excused.setdefault(terminal, []).append((killed, back or self.ended_ns))
        return excused

    def honest_figures(self, shown, converged: int | None) -> dict[str, Any]:
        """`out_of_step`, `coverage` and `dropped` (gstv_rigs.skew)."""
        ids = [t.id for t in self.terminals]
        if converged is None:
            return {"out_of_step": None, "coverage": dict.fromkeys(ids),
                    "dropped": dict.fromkeys(ids)}
        excused = self.excused_spans(shown)
        shown_all = self.site.shown(held=True)
        shares, dropped = coverage(shown_all, ids, converged, self.ended_ns - 500_000_000,
                                   excused)
        return {"out_of_step": out_of_step(shown, converged), "coverage": shares,
                "dropped": dropped}

    def sound_figures(self, converged: int | None) -> dict[str, Any]:
        """What the sinks played (gstv_rigs.sound_figures)."""
        if self.args.no_sound or converged is None:
            return {}
        return sound_figures.site_sound(
            {t.id: sound_figures.read_log(t.dir / "sound.log") for t in self.terminals},
            {t.id: t.frames for t in self.terminals}, self.excused_spans(),
            {t.id: [(s, e) for tid, s, e in self.prompt_spans if tid == t.id]
             for t in self.terminals}, converged)


# -- the live table and the summary -----------------------------------------------------
def print_table(sim: Any, elapsed: float, interactive: bool) -> None:
    recent = sim.site.shown(last=90)
    lines = [f"t={elapsed:5.1f}s  {'terminal':8} {'role':9} {'now playing':24} "
             f"{'offset est':>10} {'clock':>8} {'pos err':>8} {'skew':>8}"]
    reference = next((t.status["clock"] for t in sim.terminals
                      if t.status.get("sync", {}).get("role") == "leader"), None)
    for terminal in sim.terminals:
        status = terminal.status
        sync = status.get("sync", {})
        playing = status.get("now_playing") or {}
        now_playing = "prompt" if status.get("state") == "prompt" else (
            playing.get("file") or status.get("state") or "down")
        skews = [f.skew_ms for f in recent if terminal.id in f.times and len(f.times) > 1]
        skew = f"{percentile(skews, 0.5):.2f}ms" if skews else "-"
        offset = sync.get("offset_error_ms")
        position = sync.get("position_error_ms")
        clock = "-"
        if reference is not None and status.get("clock"):
            # Its site clock against the leader's, through the shared monotonic clock.
            mine = status["clock"]
            theirs = reference["site_ms_at"] + (mine["monotonic_ns"] -
                                                reference["monotonic_ns"]) / 1e6
            clock = f"{mine['site_ms_at'] - theirs:.2f}ms"
        lines.append(f"{'':9}{terminal.id:8} {sync.get('role', 'down'):9} "
                     f"{now_playing[:24]:24} "
                     f"{'-' if offset is None else f'{offset:.3f}ms':>10} {clock:>8} "
                     f"{'-' if position is None else f'{position:.2f}ms':>8} {skew:>8}")
    if interactive:
        print("\x1b[H\x1b[J" + "\n".join(lines), flush=True)
    elif int(elapsed) % 5 == 0:
        print("\n".join(lines), flush=True)


def print_summary(result: dict[str, Any]) -> None:
    skew = result["skew_ms"]
    lines = [f"site of {result['terminals']}: {result['frames_compared']} frames compared"]
    if skew["p50"] is None:
        lines.append("  the screens never converged: no skew to report")
    else:
        lines.append(f"  skew p50 {skew['p50']} ms, p99 {skew['p99']} ms, max {skew['max']} ms"
                     f" (converged after {result['converge_s']} s)")
    if result["prompts"]:
        back = result["resume_s"]
        lines.append(f"  {result['prompts']} prompts; slowest back in step after prompt_end: "
                     f"{'never' if back is None else f'{back} s'}")
    if result["killed"]:
        failover = result["failover_s"]
        lines.append(f"  leader {result['killed']} killed; new leader after "
                     f"{'never' if failover is None else f'{failover} s'}")
    print("\n".join(lines), flush=True)


# -- helpers ----------------------------------------------------------------------------
def _longest(times: list[float | None]) -> float | None:
    """The longest of `times`; None when there are none or one never happened."""
    return None if not times or None in times else round(max(times), 3)
