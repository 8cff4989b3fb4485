"""Renderings of signed reports: HTML and PDF in Persian and English, a signed manifest.

The signed canonical JSON stays the record; ``publish`` renders it in each
language, signs a manifest of the hashes and stores it all beside the report.
"""
