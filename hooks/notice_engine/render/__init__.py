"""Render: sections to HTML, an edition's page text, smart links, canonical text, redlines."""
