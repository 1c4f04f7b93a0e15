"""study: a companion for working through the lectures (no torch, no network).

- ``catalog``: the nine lectures (chapters, exercises, links) from the shipped ``lectures.json``;
- ``timecode``: times in a video, read leniently (``11:10``, ``671s``, ``?t=671``) and written as
  ``HH:MM:SS``;
- ``mapping``: each chapter (and exercise) -> the z2h modules and commands that implement it;
- ``notes``: one Markdown notes file per lecture, timestamped entries, atomic appends;
- ``state``: progress (last position, exercises done) in ``study.json`` beside the notes;
- ``prompt``: the session prompt a learner pastes into a chat, from an editable template;
- ``vtt``: chapters as WebVTT for video players; ``cli``: the ``z2h study`` commands.
"""
