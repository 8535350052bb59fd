#!/bin/sh
# Starts the tool with the configuration the image carries.
exec /usr/bin/runc "$@"
