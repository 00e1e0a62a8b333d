"""What people read: finding texts, Markdown, and the text/JSON/SARIF formats."""
