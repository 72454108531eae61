"""The server-rendered pages (DESIGN.md, Pages): one module per area, routed by dashboard/page_urls.py."""
