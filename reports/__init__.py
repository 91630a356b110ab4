"""PDF reports, open data (360Giving, OCDS) and the public pages (issue 8)."""
