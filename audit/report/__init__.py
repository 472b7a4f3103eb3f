"""Reports: scorecards rendered as text, JSON, Markdown and a static site."""
