"""``domino-flows ui`` and ``domino-flows report --html``: pages over the run store.

Reading only: the pages are built from the run store's read APIs (``records``, ``runner.show``,
``runner.state``, ``runner.graph_record``) and the local backend's job logs, never from a Domino
connection. ``model`` gathers what a page shows, ``layout`` draws a run's DAG as SVG, ``preview``
reads artifacts, ``render`` fills the Jinja templates, ``app`` serves them (Starlette) and
``command`` holds the two commands. Starlette, uvicorn and Jinja2 come with the ``[ui]`` extra.
"""
