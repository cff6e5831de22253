"""Visual inspection of annotated documents as HTML: :func:`pipeline.display` and :func:`pipeline.render_html`.

:mod:`.html` builds the view from :mod:`.style` (colours, CSS), :mod:`.blocks` (paragraphs,
entity highlighting) and :mod:`.arcs` (the SVG relation strips). The package is not named
``display``: that name is the public function ``pipeline.display``, which a submodule of
the same name would shadow.
"""
