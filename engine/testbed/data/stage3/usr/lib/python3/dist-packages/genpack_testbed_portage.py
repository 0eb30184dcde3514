"""The system python (/usr/bin/python3) imports the test bed's Portage, as on Gentoo (genpack-tui test bed).

Loaded by genpack_testbed_portage.pth at every start of the system python. Portage is a pip install
in /opt/portage; a pip ("MODULE") install takes sys.prefix as EPREFIX unless told otherwise.

Portage 3.0.83's Atom is no longer a str, and genpack-progs' genpack_pkg calls ``atom.lstrip``
(an upstream bug, docs/test-bed.md §7): Atom gets an lstrip of its string when portage.dep is imported.
"""
import importlib.abc
import importlib.util
import os
import sys

PORTAGE_SITE = f"/opt/portage/lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages"

os.environ.setdefault("PORTAGE_OVERRIDE_EPREFIX", "")
if os.path.isdir(PORTAGE_SITE) and PORTAGE_SITE not in sys.path:
    sys.path.append(PORTAGE_SITE)


def _atom_lstrip(self, chars=None):
    return str(self).lstrip(chars)


class _GiveAtomLstrip(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != "portage.dep":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            if not hasattr(module.Atom, "lstrip"):
                module.Atom.lstrip = _atom_lstrip

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _GiveAtomLstrip())
