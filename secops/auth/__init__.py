"""Access control: human accounts with TOTP MFA, login sessions, API keys of systems.

``service`` holds the login flow, ``users``, ``apikeys`` and ``sessions`` the
stored objects, ``tokens`` the signed access tokens, ``totp`` the codes,
``throttle`` the lockout. Every security-relevant action goes through ``audit``.
"""
