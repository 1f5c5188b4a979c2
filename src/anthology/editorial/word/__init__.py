"""Word in, Word out: chapters that arrive as .docx (with Zotero, Mendeley or EndNote citations)
become the book's Markdown, and a chapter goes back to Word for a contributor or copy-editor."""
