-- note_key: an entry's note folded (case, and runs of spaces, tabs and line breaks to one
-- space; the regex only where there is something to fold) and kept as its 64-bit hash, so that
-- "the same note" is grouped and windowed on a number, not a copy of every note (two different
-- notes by one reviewer sharing a hash: about 1 in 10^12). NULL for an empty note. An
-- expression over `text` (the note, '' when none; stored without surrounding spaces): included
-- by name in braces by entry_assessment.sql and etl/assessment.py, so both fold notes alike.
CASE WHEN text = '' THEN NULL
     ELSE hash(CASE WHEN contains(text, '  ') OR contains(text, chr(9))
                         OR contains(text, chr(10)) OR contains(text, chr(12))
                         OR contains(text, chr(13))
                    THEN regexp_replace(lower(text), '\s+', ' ', 'g')
                    ELSE lower(text) END) END
