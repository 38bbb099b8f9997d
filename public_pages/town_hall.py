"""/town-hall: the presenter deck for one area and one quarter (full screen, keys, auto-advance, speaker notes)."""
from ui.public import deck

deck.main()
