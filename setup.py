"""The compiled parts of linkvet, in Cython: the hot walks of page analysis and Kafka's partition
hash (everything else is in pyproject.toml). ``pip install -e .`` builds them with the machine's
C compiler. Each is optional: where one cannot be built the install goes on and linkvet runs the
same rules in Python, several times slower (``tests/linkvet/facts/test_compiled.py`` fails
then, so a test run shows it)."""

import lxml
from Cython.Build import cythonize
from setuptools import Extension, setup

EXTENSIONS = [
    # reads libxml2's tree through lxml's public C API: built against the lxml it runs with
    Extension("linkvet.facts._cwalk", ["linkvet/facts/_cwalk.pyx"],
              include_dirs=lxml.get_include()),
    Extension("linkvet.facts._csimhash", ["linkvet/facts/_csimhash.pyx"]),
    # Kafka's keyed-partition hash, holding the interpreter lock (see the module)
    Extension("linkvet._cmurmur2", ["linkvet/_cmurmur2.pyx"]),
]

COMPILED = cythonize(EXTENSIONS, language_level=3, quiet=True)
for extension in COMPILED:
    extension.optional = True  # a failed compile leaves the Python rules in charge

setup(ext_modules=COMPILED)
