"""A Windows security rule with ATT&CK tags, for the rule coverage tests of the API and the CLI."""

AUDIT_POLICY_RULE = """
title: System Audit Policy Changed
id: 4b8f2a61-7c9d-4e0f-a1b2-c3d4e5f6a702
status: test
logsource: {product: windows, service: security}
detection:
    selection: {EventID: 4719}
    condition: selection
tags: [attack.defense-evasion, attack.t1562.002]
level: high
"""
