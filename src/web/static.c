/*
 * static.c — the stylesheet, the one asset lantern serves.
 *
 * The Content-Security-Policy allows styles only from the app itself
 * (style-src 'self'), never inline, so every page links /static/lantern.css.
 * It is small, compiled in (no file to lose at deployment), and readable
 * without it: the pages are plain semantic HTML and work unstyled. Colours
 * keep a contrast ratio of at least 4.5:1 against their background (WCAG
 * 2.2 AA); the focus outline is thick and yellow, as on GOV.UK.
 */
#include "web/web_int.h"

#include <string.h>

#include "core/banned.h"

static const char lantern_css[] =
    "*,*::before,*::after{box-sizing:border-box}\n"
    "html{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif;"
    "font-size:100%;line-height:1.5;color:#0b0c0c;background:#fff}\n"
    "body{margin:0}\n"
    "main,header.site>p,footer.site>p{max-width:44rem;margin:0 auto;padding:0 1rem}\n"
    "a{color:#1d4f91}\n"
    "a:focus,input:focus,select:focus,textarea:focus,button:focus{outline:3px solid #fd0;"
    "outline-offset:0;box-shadow:0 0 0 6px #0b0c0c}\n"
    "nav.leave{background:#b10e1e;text-align:right;padding:.5rem 1rem}\n"
    "nav.leave a{color:#fff;font-weight:700;font-size:1.125rem}\n"
    "header.site{border-bottom:4px solid #1d4f91;margin-bottom:1.5rem}\n"
    "header.site .brand{font-weight:700;padding:.75rem 1rem}\n"
    "header.site .skip{margin:0 auto;padding:.75rem 1rem 0}\n"
    "header.site .skip a{font-weight:700;font-size:1.125rem}\n"
    "header.site .brand a{color:#0b0c0c}\n"
    "footer.site{border-top:1px solid #b1b4b6;margin-top:3rem;padding:1rem 0;"
    "background:#f3f2f1}\n"
    "h1{font-size:2rem;line-height:1.2}\n"
    "dl.forms dt{font-weight:700;margin-top:.75rem}\n"
    "dl.forms dd{margin:0}\n"
    "ul.numbers li{margin-bottom:.5rem}\n"
    "form .field{margin-bottom:1.5rem}\n"
    "fieldset{border:0;margin:0;padding:0}\n"
    "legend,label{font-weight:700}\n"
    ".choice label{font-weight:400}\n"
    ".choice{display:flex;align-items:center;gap:.5rem;margin:.25rem 0}\n"
    ".choice input{width:1.25rem;height:1.25rem;margin:0}\n"
    ".hint{color:#505a5f;margin:.25rem 0}\n"
    "input[type=text],input[type=email],input[type=password],select,textarea{display:block;"
    "width:100%;max-width:40rem;"
    "font:inherit;padding:.375rem;border:2px solid #0b0c0c;border-radius:0}\n"
    "button{font:inherit;font-weight:700;color:#fff;background:#00703c;border:0;"
    "padding:.5rem 1rem;box-shadow:0 2px 0 #002d18;cursor:pointer}\n"
    ".field-error{border-left:5px solid #d4351c;padding-left:1rem}\n"
    ".field-error input,.field-error select,.field-error textarea{border-color:#d4351c}\n"
    ".error-message{color:#d4351c;font-weight:700;margin:.25rem 0}\n"
    ".error-summary{border:5px solid #d4351c;padding:1rem;margin-bottom:2rem}\n"
    ".error-summary a{color:#d4351c;font-weight:700}\n"
    "dl.signed-in dt{font-weight:700;margin-top:.75rem}\n"
    "dl.signed-in dd{margin:0}\n"
    ".confirmation{background:#00703c;color:#fff;padding:1.5rem;text-align:center}\n"
    ".reference{font-size:2rem;letter-spacing:.1em;margin:0}\n"
    ".reference strong{color:#fff}\n"
    ".visually-hidden{position:absolute!important;width:1px!important;"
    "height:1px!important;margin:0!important;padding:0!important;overflow:hidden!important;"
    "clip:rect(0 0 0 0)!important;white-space:nowrap!important;border:0!important}\n";

void web_static_css(struct web_call *c)
{
	struct lt_buf b;
	lt_buf_init(&b, sizeof(lantern_css));
	if (lt_buf_append(&b, lantern_css, sizeof(lantern_css) - 1) != LT_OK) {
		web_error(c, WEB_KIND_STATIC, LT_ENOMEM, "The stylesheet could not be served.",
		          NULL);
		lt_buf_release(&b);
		return;
	}
	web_response_body(c->rs, 200, "text/css; charset=utf-8", &b);
	web_response_header(c->rs, "Cache-Control", "public, max-age=3600");
	c->rs->outcome = LT_OK;
	lt_buf_release(&b);
}
