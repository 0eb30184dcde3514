"""TEST DOUBLE of genpack-progs' genpack_pkg module (genpack-tui test bed).

The runtime package closure and its file list, read from the installed-package database through
the real Portage API, following the contract in docs/genpack.md §10.
"""
import os
import re

# A pip-installed Portage takes its own venv as EPREFIX unless told otherwise; this must precede the import.
os.environ.setdefault("PORTAGE_OVERRIDE_EPREFIX", "")

import portage  # noqa: E402
from portage._sets import load_default_config  # noqa: E402
from portage.dep import Atom, use_reduce  # noqa: E402

_AUX = ["RDEPEND", "PDEPEND", "USE", "IUSE", "INHERITED", "SLOT", "DESCRIPTION", "HOMEPAGE", "LICENSE", "EAPI"]
_ALWAYS_EXCLUDED = ("/run/", "/var/run/", "/var/lock/", "/var/cache/", "/usr/src/linux", "/usr/lib/dracut/",
                    "/usr/lib/genpack/")
_NON_DEVEL_EXCLUDED = ("/usr/share/man/", "/usr/share/doc/", "/usr/share/gtk-doc/", "/usr/share/info/",
                       "/usr/include/")
_EXCLUDED_RE = re.compile(r"^/usr/lib/python[0-9.]+/test/|\.a$")


def is_devel():
    return os.path.isfile("/usr/bin/genpack-devel")


def _vardb():
    return portage.db[portage.root]["vartree"].dbapi


def _set_file_atoms(name):
    path = os.path.join("/etc/portage/sets", name)
    if not os.path.isfile(path):
        return []
    atoms = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("@"):
                atoms.append(line)
    return atoms


def _profile_atoms():
    setconfig = load_default_config(portage.settings, portage.db[portage.root])
    profile = setconfig.getSets().get("profile")
    return sorted(str(a) for a in profile.getAtoms()) if profile is not None else []


def metadata(cpv):
    return dict(zip(_AUX, _vardb().aux_get(cpv, _AUX)))


def _best_installed(atom):
    matches = _vardb().match(atom)
    return portage.best(matches) if matches else ""


def _satisfied(dep):
    if isinstance(dep, list):
        return all(_satisfied(d) for d in dep if d != "||")
    return bool(_vardb().match(dep))


def _dep_atoms(deps):
    """Flatten a use_reduce(opconvert=True) result: blockers dropped, first installed || choice."""
    for dep in deps:
        if isinstance(dep, list):
            if dep and dep[0] == "||":
                choices = dep[1:]
                chosen = next((c for c in choices if _satisfied(c)), None)
                if chosen is not None:
                    yield from _dep_atoms(chosen if isinstance(chosen, list) else [chosen])
            else:
                yield from _dep_atoms(dep)
        elif not dep.blocker:
            yield dep


def get_runtime_packages():
    """{cpv: [needed_by...]} in discovery order, without genpack-ignore packages and their deps."""
    roots = _profile_atoms() + _set_file_atoms("genpack-runtime")
    if is_devel():
        roots += _set_file_atoms("genpack-devel")
    found = {}
    queue = [(atom, None) for atom in roots]
    while queue:
        atom, needed_by = queue.pop(0)
        cpv = _best_installed(atom)
        if not cpv:
            raise Exception("no match for package: %s" % atom)
        if cpv in found:
            if needed_by and needed_by not in found[cpv]:
                found[cpv].append(needed_by)
            continue
        meta = metadata(cpv)
        if "genpack-ignore" in meta["INHERITED"].split():
            continue
        found[cpv] = [needed_by] if needed_by else []
        deps = use_reduce(meta["RDEPEND"] + " " + meta["PDEPEND"], uselist=meta["USE"].split(),
                          opconvert=True, token_class=Atom, eapi=meta["EAPI"] or None)
        queue.extend((dep, cpv) for dep in _dep_atoms(deps))
    return found


def _excluded(path, devel):
    if path.startswith(_ALWAYS_EXCLUDED) or _EXCLUDED_RE.search(path):
        return True
    return not devel and path.startswith(_NON_DEVEL_EXCLUDED)


def collect_files(cpvs):
    """Paths of the packages' obj/sym/dir entries that exist as recorded, minus the exclusions."""
    devel = is_devel()
    files = []
    seen = set()
    for cpv in cpvs:
        for path, entry in sorted(_vardb()._dblink(cpv).getcontents().items()):
            kind = entry[0]
            path = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
            if path in seen or _excluded(path, devel):
                continue
            if kind == "obj" and not (os.path.isfile(path) and not os.path.islink(path)):
                continue
            if kind == "sym" and not os.path.islink(path):
                continue
            if kind == "dir" and not (os.path.isdir(path) and not os.path.islink(path)):
                continue
            if kind not in ("obj", "sym", "dir"):
                continue
            seen.add(path)
            files.append(path)
    return files
