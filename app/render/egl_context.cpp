#include "app/render/egl_context.h"

#include "core/error.h"

#include <EGL/egl.h>
#include <EGL/eglext.h>

#include <cstdio>
#include <string>

namespace ts {

namespace {
std::string egl_failure(const char* step) {
  char code[16];
  std::snprintf(code, sizeof code, "0x%04x", unsigned(eglGetError()));
  return std::string("headless OpenGL: ") + step + " failed (EGL error " + code +
         "); Mesa's EGL (libegl-mesa0, libgl1-mesa-dri) is needed for export without a display";
}
}  // namespace

EglContext::EglContext() {
  auto get_display = reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(
      eglGetProcAddress("eglGetPlatformDisplayEXT"));
  if (!get_display) throw Error(egl_failure("eglGetPlatformDisplayEXT lookup"));
  EGLDisplay display = get_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
  if (display == EGL_NO_DISPLAY) throw Error(egl_failure("opening the surfaceless display"));
  EGLint major = 0, minor = 0;
  if (!eglInitialize(display, &major, &minor)) throw Error(egl_failure("eglInitialize"));
  if (!eglBindAPI(EGL_OPENGL_API)) {
    const std::string what = egl_failure("eglBindAPI(OpenGL)");
    eglTerminate(display);
    throw Error(what);
  }
  const EGLint attributes[] = {EGL_CONTEXT_MAJOR_VERSION,
                               3,
                               EGL_CONTEXT_MINOR_VERSION,
                               3,
                               EGL_CONTEXT_OPENGL_PROFILE_MASK,
                               EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
                               EGL_NONE};
  EGLContext context = eglCreateContext(display, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attributes);
  if (context == EGL_NO_CONTEXT) {
    const std::string what = egl_failure("creating an OpenGL 3.3 core context");
    eglTerminate(display);
    throw Error(what);
  }
  if (!eglMakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, context)) {
    const std::string what = egl_failure("eglMakeCurrent without a surface");
    eglDestroyContext(display, context);
    eglTerminate(display);
    throw Error(what);
  }
  display_ = display;
  context_ = context;
}

EglContext::~EglContext() {
  eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  eglDestroyContext(display_, context_);
  eglTerminate(display_);
}

}  // namespace ts
