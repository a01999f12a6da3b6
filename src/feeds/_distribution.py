"""The name feeds is installed under, which is not the name it is imported by.

The import package (and the command) is ``feeds``; the distribution, what
``pip install`` and ``importlib.metadata`` know it as, is ``feeds-publisher``:
"feeds" is too plain a word to leave to chance on a package index, where a
bare ``pip install feeds`` could one day install someone else's code in the
job that holds the deploy secrets.
"""

DISTRIBUTION = "feeds-publisher"
