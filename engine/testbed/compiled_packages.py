"""The source trees of the test bed's packages that compile real C (their ebuilds are in
``data/gentoo``): generated here, packed as distfiles by ``distfiles.py``.

- ``dev-libs/libtbmath``: a small shared library (``libtbmath.so.1``) and its header;
- ``app-misc/tbcalc``: a program linked against it (so it needs the library at build and run time);
- ``dev-util/testbed-bigc``: ``BIGC_UNITS`` translation units of ``BIGC_FUNCTIONS`` non-trivial
  functions each, sized so that compiling it with -O2 takes tens of seconds on one core, for
  figures on binary package reuse and distcc. Its Makefile builds one object per unit with
  ``$(CC)``, so ``MAKEOPTS=-jN`` (and distcc) spread the work.

Everything is a pure function of the constants here: the same code gives the same bytes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .treetar import TreeFile

BIGC_UNITS = 120
BIGC_FUNCTIONS = 40


@dataclass(frozen=True)
class CompiledPackage:
    cp: str        # category/name, as in the tree
    version: str
    sources: Callable[[], dict[str, TreeFile]]

    @property
    def p(self) -> str:
        return f"{self.cp.split('/')[1]}-{self.version}"

    @property
    def distfile(self) -> str:
        return f"{self.p}.tar.gz"


def _text(text: str) -> TreeFile:
    return (text.encode(), False)


_LIBTBMATH_MAKEFILE = """\
CC ?= cc
CFLAGS ?= -O2
PREFIX ?= /usr
LIBDIR ?= $(PREFIX)/lib

all: libtbmath.so.1

tbmath.o: tbmath.c tbmath.h
\t$(CC) $(CFLAGS) -fPIC -c -o $@ tbmath.c

libtbmath.so.1: tbmath.o
\t$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,libtbmath.so.1 -o $@ tbmath.o

install: libtbmath.so.1
\tinstall -Dm755 libtbmath.so.1 $(DESTDIR)$(LIBDIR)/libtbmath.so.1
\tln -sf libtbmath.so.1 $(DESTDIR)$(LIBDIR)/libtbmath.so
\tinstall -Dm644 tbmath.h $(DESTDIR)$(PREFIX)/include/tbmath.h

.PHONY: all install
"""

_LIBTBMATH_H = """\
#ifndef TBMATH_H
#define TBMATH_H
#include <stdint.h>
/* greatest common divisor */
uint64_t tbmath_gcd(uint64_t a, uint64_t b);
/* the n-th Fibonacci number modulo 2^64 */
uint64_t tbmath_fib(unsigned n);
#endif
"""

_LIBTBMATH_C = """\
#include "tbmath.h"

uint64_t tbmath_gcd(uint64_t a, uint64_t b)
{
    while (b != 0) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

uint64_t tbmath_fib(unsigned n)
{
    uint64_t a = 0, b = 1;
    for (unsigned i = 0; i < n; i++) {
        uint64_t t = a + b;
        a = b;
        b = t;
    }
    return a;
}
"""


def libtbmath_sources() -> dict[str, TreeFile]:
    return {"Makefile": _text(_LIBTBMATH_MAKEFILE), "tbmath.h": _text(_LIBTBMATH_H),
            "tbmath.c": _text(_LIBTBMATH_C)}


_TBCALC_MAKEFILE = """\
CC ?= cc
CFLAGS ?= -O2
PREFIX ?= /usr

all: tbcalc

tbcalc: tbcalc.c
\t$(CC) $(CFLAGS) $(LDFLAGS) -o $@ tbcalc.c -ltbmath

install: tbcalc
\tinstall -Dm755 tbcalc $(DESTDIR)$(PREFIX)/bin/tbcalc

.PHONY: all install
"""

_TBCALC_C = """\
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <tbmath.h>

/* tbcalc gcd A B | tbcalc fib N */
int main(int argc, char **argv)
{
    if (argc == 4 && argv[1][0] == 'g') {
        uint64_t a = strtoull(argv[2], NULL, 10), b = strtoull(argv[3], NULL, 10);
        printf("gcd(%" PRIu64 ", %" PRIu64 ") = %" PRIu64 "\\n", a, b, tbmath_gcd(a, b));
        return 0;
    }
    if (argc == 3 && argv[1][0] == 'f') {
        unsigned n = (unsigned)strtoul(argv[2], NULL, 10);
        printf("fib(%u) = %" PRIu64 "\\n", n, tbmath_fib(n));
        return 0;
    }
    fprintf(stderr, "usage: tbcalc gcd A B | tbcalc fib N\\n");
    return 2;
}
"""


def tbcalc_sources() -> dict[str, TreeFile]:
    return {"Makefile": _text(_TBCALC_MAKEFILE), "tbcalc.c": _text(_TBCALC_C)}


_BIGC_MAKEFILE = """\
CC ?= cc
CFLAGS ?= -O2
PREFIX ?= /usr
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

all: testbed-bigc

src/%.o: src/%.c src/bigc.h
\t$(CC) $(CFLAGS) -c -o $@ $<

testbed-bigc: $(OBJS)
\t$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS)

install: testbed-bigc
\tinstall -Dm755 testbed-bigc $(DESTDIR)$(PREFIX)/bin/testbed-bigc

.PHONY: all install
"""


def _bigc_function(unit: int, index: int) -> str:
    k = (unit * 131 + index * 17) % 97 + 3
    return f"""static uint64_t mix_{unit}_{index}(uint64_t x, uint64_t y)
{{
    uint64_t t[16];
    for (int i = 0; i < 16; i++)
        t[i] = (x ^ (y << (i % 13))) * {k}u + (uint64_t)i * 0x9e3779b97f4a7c15ull;
    for (int r = 0; r < {k % 7 + 4}; r++) {{
        for (int i = 0; i < 16; i++) {{
            uint64_t a = t[i], b = t[(i + {k % 5 + 1}) % 16];
            switch ((a ^ b) & 3) {{
            case 0: t[i] = (a << 7 | a >> 57) + b; break;
            case 1: t[i] = a * {k * 2 + 1}u ^ (b >> 3); break;
            case 2: t[i] = (a - b) ^ (a >> {k % 29 + 1}); break;
            default: t[i] = a + (b | {k}u) * 3u; break;
            }}
        }}
    }}
    uint64_t s = 0;
    for (int i = 0; i < 16; i++)
        s = s * 31u + t[i];
    return s;
}}
"""


def _bigc_unit(unit: int) -> str:
    parts = [f"/* unit {unit} of testbed-bigc */\n#include \"bigc.h\"\n"]
    parts += [_bigc_function(unit, i) for i in range(BIGC_FUNCTIONS)]
    calls = "".join(f"    s = mix_{unit}_{i}(s, s + {i}u);\n" for i in range(BIGC_FUNCTIONS))
    parts.append(f"uint64_t bigc_unit_{unit}(uint64_t seed)\n{{\n    uint64_t s = seed;\n{calls}    return s;\n}}\n")
    return "\n".join(parts)


def bigc_sources() -> dict[str, TreeFile]:
    header = "#include <stdint.h>\n" + "".join(f"uint64_t bigc_unit_{u}(uint64_t seed);\n" for u in range(BIGC_UNITS))
    calls = "".join(f"    s = bigc_unit_{u}(s);\n" for u in range(BIGC_UNITS))
    main = ("#include <inttypes.h>\n#include <stdio.h>\n#include \"bigc.h\"\n\nint main(void)\n{\n"
            f"    uint64_t s = 1;\n{calls}"
            f"    printf(\"testbed-bigc: {BIGC_UNITS} units, checksum %016\" PRIx64 \"\\n\", s);\n"
            "    return 0;\n}\n")
    files = {"Makefile": _text(_BIGC_MAKEFILE), "src/bigc.h": _text(header), "src/main.c": _text(main)}
    for unit in range(BIGC_UNITS):
        files[f"src/unit{unit:03d}.c"] = _text(_bigc_unit(unit))
    return files


COMPILED_PACKAGES = (
    CompiledPackage("dev-libs/libtbmath", "1.0", libtbmath_sources),
    CompiledPackage("app-misc/tbcalc", "1.0", tbcalc_sources),
    CompiledPackage("dev-util/testbed-bigc", "1.0", bigc_sources),
)


def compiled_package(cp: str) -> CompiledPackage:
    for package in COMPILED_PACKAGES:
        if package.cp == cp:
            return package
    raise KeyError(f"{cp} is not a compiled package of the test bed")
