"""The Qt skin over the engine. The only package that imports Qt."""
