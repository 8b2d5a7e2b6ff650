// ncursesw for Swift: wide-character API on, and accessors for what Swift cannot import (mutable globals,
// attribute macros, line-drawing characters).
#ifndef FEDGE_CNCURSES_SHIM_H
#define FEDGE_CNCURSES_SHIM_H

#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

static inline WINDOW *fedge_stdscr(void) { return stdscr; }
static inline int fedge_lines(void) { return LINES; }
static inline int fedge_cols(void) { return COLS; }
static inline int fedge_colors(void) { return COLORS; }
static inline attr_t fedge_a_bold(void) { return A_BOLD; }
static inline attr_t fedge_a_reverse(void) { return A_REVERSE; }
static inline attr_t fedge_a_dim(void) { return A_DIM; }
static inline attr_t fedge_a_underline(void) { return A_UNDERLINE; }
static inline attr_t fedge_a_normal(void) { return A_NORMAL; }
static inline int fedge_color_pair(int n) { return COLOR_PAIR(n); }

/// Writes one cell: a UTF-8 grapheme's first code point (wide characters take two columns) with attributes and a
/// colour pair.
static inline void fedge_put_cell(int y, int x, wchar_t ch, attr_t attributes, short pair) {
    cchar_t cell;
    wchar_t text[2] = { ch, 0 };
    setcchar(&cell, text, attributes, pair, NULL);
    mvadd_wch(y, x, &cell);
}

/// Reads one key with wget_wch: returns OK (a character in *ch), KEY_CODE_YES (a key code in *ch) or ERR.
static inline int fedge_get_key(wint_t *ch) { return wget_wch(stdscr, ch); }

#endif
