"""Every GLSL snippet Flythrough adds to VTK's shaders, in one place (VTK adapter).

Each is a replacement for one of VTK's ``//VTK::…`` tags, which it keeps so
that VTK's own code still follows. Custom uniforms are declared by VTK itself
(``GetFragmentCustomUniforms`` and the like): redeclaring them fails to compile.
"""

from __future__ import annotations

DISABLE_SHIFT_SCALE = 0  # vtkOpenGLVertexBufferObject::ShiftScaleMethod, an enum Python does not see
LIGHT_TAG = "//VTK::Light::Impl\n"  # where the points' fragment code goes (kept, so that VTK's follows)

# Points, fragment shader: a round disc with a soft rim, cut from the square GL draws. The rim fades
# toward the background over its outer pixel or two (never more than its outer 40%), so that small
# points keep their brightness and big ones have no hard edge. Before the fog, which then treats
# the rim as it treats the point.
ROUND_POINTS = """//VTK::Light::Impl
  vec2 disc = 2.0 * gl_PointCoord - 1.0;
  float discR2 = dot(disc, disc);  // squared: no square root per fragment
  if (discR2 > 1.0) { discard; }
  float rimFrom = clamp(1.0 - 2.0 / pointPx, 0.6, 0.92);
  gl_FragData[0].rgb = mix(gl_FragData[0].rgb, fogColor, 0.85 * smoothstep(rimFrom * rimFrom, 1.0, discR2));
"""
# Points, fragment shader: linear eye depth from the depth buffer, then fog toward the background colour.
FOG = """
  float ndcZ = 2.0 * gl_FragCoord.z - 1.0;
  // 2nf / (f + n - z(f - n)), divided through by f: n*f underflows a float at 1e-20 and overflows near 1e20.
  float fogRatio = fogNear / fogFar;
  float eyeZ = 2.0 * fogNear / (1.0 + fogRatio - ndcZ * (1.0 - fogRatio));
  float fog = clamp((eyeZ - fogStart) / (fogEnd - fogStart), 0.0, 1.0);
  gl_FragData[0].rgb = mix(gl_FragData[0].rgb, fogColor, fog);
"""

# Points, vertex shader: perspective point size, so nearer points are bigger, as in the original demo.
POINT_SIZE = """//VTK::PositionVC::Impl
  gl_PointSize = gl_Position.w > 0.0 ? clamp(pointScale / gl_Position.w, pointMin, pointMax) : pointMax;
  pointPx = gl_PointSize;
"""

# Level of detail (explorer.core.lod, explorer.render.points), vertex shader, after the point size: a node
# draws the leading lodEnd points of its run; a point past it goes outside the clip volume, so the
# rasteriser never sets it up. The last lodSoft points before the end fade in toward the fog colour.
LOD_VERTEX = """
  float lodIndex = float(gl_VertexID);
  lodFade = clamp((lodEnd - lodIndex) / lodSoft, 0.0, 1.0);
  if (lodIndex >= lodEnd) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); }
"""
# ... and in the fragment shader, after the fog.
LOD_FRAGMENT = """  gl_FragData[0].rgb = mix(gl_FragData[0].rgb, fogColor, 1.0 - lodFade);
"""
POINTS_VERTEX_DEC = """//VTK::Normal::Dec
out float pointPx;
out float lodFade;
"""
POINTS_FRAGMENT_DEC = """//VTK::Normal::Dec
in float pointPx;
in float lodFade;
"""

# Labels, fragment shader: alpha-tested glyphs, drawn opaque, so no depth sorting is needed.
ALPHA_TEST = """//VTK::TCoord::Impl
  if (gl_FragData[0].a < 0.4) { discard; }
"""

# Pictures (explorer.render.pictures), vertex shader: a page's quads are draw slots, and slot k draws the
# picture that pictureAt names for it: its point (xyz) and its cell on the page (w; -1: slot unused, the quad
# stays a point, which the rasteriser drops). The slots come four to a matrix (its columns): VTK sends no
# array of vec4. They go nearest first, so that software GL's early depth test skips the texture reads of
# pictures hidden behind nearer ones. The corners move out to a square of side 2 * pictureHalf facing the
# camera (pictureRight, pictureUp), stood pictureHalf in front of the point toward the eye (at most
# halfway): it hides its own dot. The texture coordinates come from the cell: a page is pictureColumns
# cells a side, top row first, each inset by pictureInset so that filtering at a picture's edge never reads
# its neighbour's. The step toward the eye is explorer.core.pictures.picture_centres, which picking uses.
PICTURE_CORNERS = """//VTK::PositionVC::Impl
  {
    int slot = gl_VertexID / 4;
    vec4 at = pictureAt[slot / 4][slot % 4];
    int corner = gl_VertexID % 4;
    vec2 across = vec2(corner == 1 || corner == 2 ? 1.0 : -1.0, corner >= 2 ? 1.0 : -1.0);
    vec3 centre = at.xyz;
    vec3 toward = pictureEye - centre;
    float away = length(toward);
    centre += toward / max(away, 1e-30) * min(pictureHalf, away / 2.0);
    float reach = at.w < 0.0 ? 0.0 : pictureHalf;
    gl_Position = MCDCMatrix * vec4(centre + (across.x * pictureRight + across.y * pictureUp) * reach, 1.0);
    float cell = max(at.w, 0.0);
    vec2 place = vec2(mod(cell, pictureColumns), pictureColumns - 1.0 - floor(cell / pictureColumns));
    tcoordVCVSOutput = (place + pictureInset + (1.0 - 2.0 * pictureInset) * (across + 1.0) / 2.0) / pictureColumns;
  }
"""
