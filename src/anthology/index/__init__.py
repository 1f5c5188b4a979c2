"""The back-of-book index: marks in the chapters (marks.py), entries sorted and merged
(entries.py), and the index of each output (pdf.py for the print book, epub.py for the EPUB)."""
