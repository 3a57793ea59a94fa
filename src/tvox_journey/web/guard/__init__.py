"""What every request passes before any route runs, and the escaping of the server log."""
