"""Probes: measure what a company's declared hosts actually do (TLS, HTTPS, security.txt)."""
