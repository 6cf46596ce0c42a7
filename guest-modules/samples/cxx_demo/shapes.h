// Shapes with virtual functions, for cxx_demo. Shape is abstract: its vtable's pure slots point
// at the kernel's __cxa_pure_virtual.
#pragma once

class Shape {
public:
    virtual ~Shape() = default;
    virtual long area() const = 0;
    virtual const char* name() const = 0;
};

// Factories in shapes.cpp, so the virtual calls in cxx_demo.cpp cannot be devirtualised.
Shape* make_square(long side);
Shape* make_rectangle(long width, long height);
