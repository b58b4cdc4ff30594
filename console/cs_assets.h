/*  cs_assets: the console's stylesheet and script, compiled into the binary (cs_assets.c) and
    served at /static/console.css and /static/console.js without a login. */
#ifndef CS_ASSETS_H
#define CS_ASSETS_H

extern const char cs_asset_css[];
extern const char cs_asset_js[];

#endif
