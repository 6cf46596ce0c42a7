// The concrete shapes: defined in their own file so that cxx_demo.cpp only sees Shape and must
// call through the vtable.
#include "shapes.h"

#include <lkmemu/new.h>

namespace {

class Square final : public Shape {
public:
    explicit Square(long side) : m_side(side) {}
    long area() const override { return m_side * m_side; }
    const char* name() const override { return "square"; }

private:
    long m_side;
};

class Rectangle final : public Shape {
public:
    Rectangle(long width, long height) : m_width(width), m_height(height) {}
    long area() const override { return m_width * m_height; }
    const char* name() const override { return "rectangle"; }

private:
    long m_width;
    long m_height;
};

} // namespace

Shape* make_square(long side)
{
    return new (std::nothrow) Square(side);
}

Shape* make_rectangle(long width, long height)
{
    return new (std::nothrow) Rectangle(width, height);
}
