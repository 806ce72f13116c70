"""Task family modules and packages; each registers its families (and suites) with @register_family on import.

They load lazily: `curricula.suites.get_suite(name)` imports only the module
named for that suite in `curricula.suites.SUITE_MODULES`, `family_class(name)`
returns a family its suite's module already registered, and anything else
(`family_names()`, an unknown name) imports every module and package here
(`curricula.base._ensure_loaded`). A package such as `pqt/` counts as one
module: importing it must register all of its families.
"""
