// What provider.ko exports, for the modules that use it (consumer, gplonly).
#pragma once

/* EXPORT_SYMBOL: any module may call it. */
int provider_add(int a, int b);
/* EXPORT_SYMBOL_GPL: only modules with a GPL-compatible license may call it. */
int provider_gpl_multiply(int a, int b);
