"""A Sigma filter dropping a vulnerability scanner's failed SSH logins before a rule:
fill in ``id``, ``rule`` (the rule's id) and ``cidr`` (the scanner's network)."""

SCANNER_FILTER = """title: The vulnerability scanner tries root logins
id: {id}
logsource:
    product: linux
    service: sshd
filter:
    rules:
        - {rule}
    scanner:
        source.ip|cidr: {cidr}
    condition: not scanner
"""
