"""A small service, as docker init's Python template expects one."""
