"""Who is asking: identity and roles, sessions, the login throttle, CSRF, security headers."""
