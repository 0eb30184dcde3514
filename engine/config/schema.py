"""Which genpack.json5 fields exist, what shape each has, and where each takes effect.

Places: ``top`` (the document), ``arch`` (an ``arch.<k>`` block at top level), ``variant``
(``variants.<v>``) and ``variant_arch`` (``variants.<v>.arch.<k>``). Placement follows genpack's merge
lists (docs/genpack.md §2) with docs/compatibility.md §1: a variant may set name/profile/outfile, and
setup_commands merge from arch and variant blocks.

This table is the one description of the format: the validator (validate.py) checks documents against
it and json_schema.py turns it into the JSON Schema that ``genpack-tui schema`` prints, so each field's
``description`` is what an editor shows for it.
"""
from __future__ import annotations

from dataclasses import dataclass

TOP, ARCH, VARIANT, VARIANT_ARCH = "top", "arch", "variant", "variant_arch"
_ALL = frozenset({TOP, ARCH, VARIANT, VARIANT_ARCH})
_TOP_VARIANT = frozenset({TOP, VARIANT})
_TOP = frozenset({TOP})


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # see validate.py: one checker per kind
    places: frozenset[str]
    merge: str  # scalar | removal_list | unique_list | append_list | account_list | dict | top_only | none
    description: str


# Canonical order, also the order fields are merged within one block (genpack's fixed order first).
FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("name", "name", _TOP_VARIANT, "scalar",
                  "The artifact's name, used in the image's file name (<name>[-<variant>]-<arch>.squashfs) "
                  "and the archive's. When missing, the artifact directory's name is used (with a warning)."),
        FieldSpec("profile", "profile", _TOP_VARIANT, "scalar",
                  'The genpack-overlay profile the image is built on, e.g. paravirt, baremetal, '
                  'gnome/baremetal; the arch layer is inserted automatically (genpack/<portage '
                  'arch>/<profile>).'),
        FieldSpec("outfile", "outfile", _TOP_VARIANT, "scalar",
                  'The file name of the squashfs image pack writes, instead of '
                  '<name>[-<variant>]-<arch>.squashfs.'),
        FieldSpec("compression", "compression", _TOP, "scalar",
                  'The squashfs compression pack uses (gzip by default); --compression overrides it.'),
        FieldSpec("lower-layer-capacity", "capacity", _TOP, "scalar",
                  'The size of the lower layer image in GiB (default 128). The image is sparse; an existing'
                  ' image keeps its size.'),
        FieldSpec("independent_binpkgs", "bool", _TOP, "scalar",
                  'Keep binary packages inside the lower image instead of the shared cache of work/.'),
        FieldSpec("devel", "bool", _TOP, "scalar",
                  'Has no effect (genpack ignores it); use the --devel option to build a devel image.'),
        FieldSpec("default_variant", "default_variant", _TOP, "scalar",
                  "The variant built when --variant is not given; it must name one of 'variants'."),
        FieldSpec("circulardep_breaker", "circulardep_breaker", _TOP, "scalar",
                  'Packages first installed with the given USE flags when the lower layer is created, to '
                  'break a circular dependency; the normal build then rebuilds them with their real flags.'),
        FieldSpec("buildtime_packages_first", "bool", _TOP_VARIANT, "scalar",
                  'Emerge the build-time packages before the others.'),
        FieldSpec("packages", "packages", _ALL, "removal_list",
                  "Package atoms (or @sets) to install. An entry '-atom' removes that atom coming from an "
                  'earlier block (the top level, an arch block, the variant).'),
        FieldSpec("buildtime_packages", "atom_list", _ALL, "unique_list",
                  'Packages needed only to build the image: installed in the lower layer, left out of the '
                  'final image.'),
        FieldSpec("accept_keywords", "keywords_dict", _ALL, "dict",
                  'Keywords accepted per package atom (package.accept_keywords): a string, a list, or null '
                  'for the testing keyword of the arch (~arch).'),
        FieldSpec("use", "use_dict", _ALL, "dict",
                  "USE flags per package atom ('*/*' for all), as a space-separated string or a list; "
                  "USE_EXPAND groups are written 'NAME: value ...' (e.g. 'VIDEO_CARDS: virgl')."),
        FieldSpec("mask", "mask_list", _ALL, "unique_list",
                  "Package atoms to mask (package.mask), e.g. '>=dev-db/mysql-8'."),
        FieldSpec("license", "license_dict", _ALL, "dict",
                  'Licenses accepted per package atom (package.license), as a string or a list.'),
        FieldSpec("env", "env_dict", _ALL, "dict",
                  'Files of env/ applied per package atom (package.env), as a string or a list of names.'),
        FieldSpec("binpkg_excludes", "excludes", _ALL, "unique_list",
                  'Packages never taken from, nor stored as, binary packages: an atom or name, or a list.'),
        FieldSpec("users", "users", _TOP_VARIANT, "account_list",
                  "Users created in the image: a user name, or an object with at least 'name'."),
        FieldSpec("groups", "groups", _TOP_VARIANT, "account_list",
                  'Groups created in the image: a group name, or an object {name, gid}.'),
        FieldSpec("setup_commands", "commands", _ALL, "append_list",
                  'Shell commands run in the upper layer after the files are copied in.'),
        FieldSpec("services", "services", _ALL, "unique_list",
                  'systemd units enabled in the image, e.g. sshd, fstrim.timer, getty@tty1.service.'),
        FieldSpec("arch", "arch", _TOP_VARIANT, "none",
                  "Settings that apply only on some architectures: keys are arch names as 'uname -m' spells"
                  " them, several joined by '|' (e.g. 'x86_64|aarch64'); a matching block is merged after "
                  'the block it sits in.'),
        FieldSpec("variants", "variants", _TOP, "none",
                  'Named variants of the image: each is a block of settings merged over the top level when '
                  'that variant is built (--variant NAME, or default_variant).'),
    )
}

MERGED_FIELDS = tuple(name for name, spec in FIELDS.items() if spec.merge != "none")

DEPRECATED = {
    "buildtime-packages": "buildtime_packages",
    "binpkg-exclude": "binpkg_excludes",
    "circulardep-breaker": "circulardep_breaker",
}

PLACE_LABEL = {
    TOP: "at the top level",
    ARCH: "inside an arch block",
    VARIANT: "inside a variant",
    VARIANT_ARCH: "inside an arch block of a variant",
}

# Keys of user and group objects; the hyphenated spellings are accepted, the underscore one wins.
USER_KEYS = ("name", "uid", "comment", "home", "shell", "initial_group", "additional_groups",
             "create_home", "empty_password")
USER_HYPHENATED = {
    "create-home": "create_home",
    "initial-group": "initial_group",
    "additional-groups": "additional_groups",
    "empty-password": "empty_password",
}
GROUP_KEYS = ("name", "gid")
CIRCULARDEP_KEYS = ("packages", "use")

# What each key of a user, a group and circulardep_breaker means (the JSON Schema's descriptions).
USER_KEY_DESCRIPTIONS = {
    "name": "The user name (letters, digits, '_', '.', '-'; not starting with '-' or a digit).",
    "uid": "The numeric user id (default: the next free one).",
    "comment": "The comment (GECOS) field.",
    "home": "The home directory, an absolute path.",
    "shell": "The login shell, an absolute path.",
    "initial_group": "The primary group, by name or id.",
    "additional_groups": "Further groups: a list of names, or one string of names separated by ','.",
    "create_home": "Whether the home directory is created (default true).",
    "empty_password": "Whether the user may log in with an empty password (default false).",
}
GROUP_KEY_DESCRIPTIONS = {
    "name": "The group name (letters, digits, '_', '.', '-'; not starting with '-' or a digit).",
    "gid": "The numeric group id (default: the next free one).",
}
CIRCULARDEP_KEY_DESCRIPTIONS = {
    "packages": "The package atoms installed first with the USE flags of 'use'.",
    "use": "The USE flags they are installed with (e.g. '-truetype -harfbuzz'); no USE_EXPAND groups.",
}

COMPRESSIONS = ("gzip", "xz", "lzo", "none")
DEFAULT_COMPRESSION = "gzip"
DEFAULT_LOWER_CAPACITY_GIB = 128
MAX_CAPACITY_GIB = 16 * 1024  # ext4's largest file (4 KiB blocks): the sparse image file must fit
