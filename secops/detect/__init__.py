"""detect: Sigma rules over ECS events, one event at a time.

``loader.load_rules(dirs)`` parses rule files with pySigma and compiles each rule
(``ir`` lowers the condition tree, ``compiler`` makes the matcher, ``literals``
finds what the prefilter may require) into a ``ruleset.RuleSet``;
``engine.DetectionEngine(ruleset).match(event, event_id)`` returns the
``models.RuleMatch`` list. Logsource routing and field names are data in
``mappings/`` (``mapping.FieldMapping``). ``validate.validate(dirs)`` reports
every broken rule; ``regression`` reads SigmaHQ regression samples. Correlation
rules are handed untouched to ``detect.correlation``.
"""
