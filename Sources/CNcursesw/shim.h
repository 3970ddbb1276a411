// Shims over ncursesw for what Swift cannot import directly: function-like macros
// (COLOR_PAIR, getmaxyx, KEY_F, A_*), and global variables that Swift 6 would reject as
// shared mutable state (stdscr, COLORS, COLOR_PAIRS).
#ifndef CNCURSESW_SHIM_H
#define CNCURSESW_SHIM_H

// Wide-character API (cchar_t, wget_wch, setcchar) is only declared with this set.
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif

#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

static inline WINDOW *cn_stdscr(void) { return stdscr; }
static inline int cn_colors(void) { return COLORS; }
static inline int cn_color_pairs(void) { return COLOR_PAIRS; }
static inline int cn_lines(void) { return LINES; }
static inline int cn_cols(void) { return COLS; }

static inline int cn_max_x(WINDOW *win) { int y, x; getmaxyx(win, y, x); (void)y; return x; }
static inline int cn_max_y(WINDOW *win) { int y, x; getmaxyx(win, y, x); (void)x; return y; }

static inline attr_t cn_a_normal(void) { return A_NORMAL; }
static inline attr_t cn_a_bold(void) { return A_BOLD; }
static inline attr_t cn_a_underline(void) { return A_UNDERLINE; }
static inline attr_t cn_a_reverse(void) { return A_REVERSE; }
static inline attr_t cn_a_dim(void) { return A_DIM; }

static inline int cn_key_f(int n) { return KEY_F(n); }
static inline int cn_key_code_yes(void) { return KEY_CODE_YES; }
static inline int cn_err(void) { return ERR; }
static inline int cn_ok(void) { return OK; }

// Fills a cchar_t; `wch` is a NUL-terminated array of up to CCHARW_MAX wide characters.
static inline int cn_setcchar(cchar_t *cell, const wchar_t *wch, attr_t attrs, short pair) {
    return setcchar(cell, wch, attrs, pair, NULL);
}

static inline int cn_ccharw_max(void) { return CCHARW_MAX; }

// The terminfo capability `name` (rmcup, cnorm, sgr0…) or NULL when absent or cancelled.
static inline const char *cn_tigetstr(const char *name) {
    char *value = tigetstr(name);
    if (value == NULL || value == (char *)-1) return NULL;
    return value;
}

#endif
