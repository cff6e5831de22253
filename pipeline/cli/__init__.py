"""The command line, ``python -m pipeline`` (and ``kfacts``): the top layer, which may import any other.

:mod:`.main` builds the parser and runs ``annotate``/``display``/``schema``…; :mod:`.corpus`,
:mod:`.facts` and :mod:`.train` add their subcommands; :mod:`.help` lays out every ``--help``.
No library module imports from here.
"""
