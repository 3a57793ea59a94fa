"""tvox-journey: the CRM side of a TVox Notification Service integration."""

__version__ = "0.1.0"
