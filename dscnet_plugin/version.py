"""Version of the dscnet_plugin package."""
__version__ = '0.1.0'
