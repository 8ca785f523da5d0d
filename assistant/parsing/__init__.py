"""Parsing: files to text (readers/), text to 编/章/节/条/款/项 (structure), header metadata."""
