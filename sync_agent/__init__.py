"""The content agent: cloud updates and their procedures, media, notifications and POP delivery."""
