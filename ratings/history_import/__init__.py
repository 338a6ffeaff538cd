"""Bring your history: import ratings from a Letterboxd or IMDb export.

`formats` reads the file (format told from its header) into rows; `matching` finds each row's film in
the catalogue (IMDb id through the MovieLens links, else title and year); `preview` stores what would
be written, for the viewer to check; `apply` writes the confirmed ratings in one transaction through
`ratings.services.rating_upsert`. Nothing is rated before the viewer confirms.
"""
