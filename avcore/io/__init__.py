"""Reading and writing media: the imageio-ffmpeg binary (`ffmpeg`), probing, decoding and
encoding clips (`media`).

The lowest floor above `avcore.errors`, `avcore.paths` and `avcore.parallel`: it imports nothing
else from avcore.
"""
