#pragma once

#include <cstddef>

// Page runs handed out by the fake alloc_pages and not yet freed.
size_t fake_pages_outstanding();
