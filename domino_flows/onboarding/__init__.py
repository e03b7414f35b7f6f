"""Starting and bringing in projects: ``domino-flows new`` (the project template) and ``domino-flows
port`` (rewriting flows written for Domino's official plugin).
"""
