"""Access control: human accounts with TOTP MFA, login sessions, API keys of systems.

``logins``, ``mfa`` and ``password_change`` hold the login flow (their shared
proofs and lockout accounting in ``proof``), ``users``, ``apikeys`` and ``sessions`` the
stored objects, ``tokens`` the signed access tokens, ``totp`` the codes,
``throttle`` the lockout. Every security-relevant action goes through ``audit``.
"""
