"""Find a company's policy pages (home page and footer links, sitemaps, common paths) and rank them."""

from audit.discover.crawl import Candidate, Discovery, discover
from audit.discover.declare import add_to_declaration, choose

__all__ = ["Candidate", "Discovery", "discover", "choose", "add_to_declaration"]
