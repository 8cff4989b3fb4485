"""Rules as the operators see them: the loaded catalogue, which rules are enabled, hunts.

``catalog`` loads every rule the pipeline loads (ours and ``settings.rule_dirs``)
with the reasons others were rejected; ``state`` keeps a rule's enabled or
disabled state in the state index, the one source of truth that the pipeline's
detector (built by ``detector``) reads every few seconds, in whatever process it
runs; ``service`` holds what the API calls.
"""
