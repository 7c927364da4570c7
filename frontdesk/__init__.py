"""Frontdesk: the front-desk application of Dr. Alex's acne-scar clinic in Encino."""

__version__ = "0.1.0"
