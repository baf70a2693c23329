"""Our changes to Django's locale formats (settings.FORMAT_MODULE_PATH); what a module leaves out is
Django's."""
