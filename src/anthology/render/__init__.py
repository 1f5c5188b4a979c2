"""Rendering: pandoc, HTML, PDF (WeasyPrint) and EPUB."""
